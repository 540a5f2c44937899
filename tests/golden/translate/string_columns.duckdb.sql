SELECT leo_earnings."Edukey" 
FROM leo_earnings 
WHERE (COALESCE(leo_earnings."Region", '') COLLATE "C") = (COALESCE(leo_earnings."KS4_English", '') COLLATE "C") ORDER BY leo_earnings."Edukey", leo_earnings."TaxYear"
