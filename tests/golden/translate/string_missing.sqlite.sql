SELECT leo_earnings."Edukey" 
FROM leo_earnings 
WHERE leo_earnings."Region" IS NULL OR (leo_earnings."Region" COLLATE "BINARY") = '' OR leo_earnings."KS4_English" IS NULL OR (leo_earnings."KS4_English" COLLATE "BINARY") = '' OR (leo_earnings."Region" COLLATE "BINARY") != '' ORDER BY leo_earnings."Edukey", leo_earnings."TaxYear"
