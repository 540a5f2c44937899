SELECT leo_earnings."Edukey" 
FROM leo_earnings 
WHERE leo_earnings."Region" IS NULL OR (leo_earnings."Region" COLLATE "C") = '' OR leo_earnings."KS4_English" IS NULL OR (leo_earnings."KS4_English" COLLATE "C") = '' OR (leo_earnings."Region" COLLATE "C") != '' ORDER BY leo_earnings."Edukey", leo_earnings."TaxYear"
