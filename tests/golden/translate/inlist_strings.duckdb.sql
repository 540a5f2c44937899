SELECT leo_earnings."Edukey" 
FROM leo_earnings 
WHERE leo_earnings."Region" IS NULL OR (leo_earnings."Region" COLLATE "C") = '' OR (COALESCE(leo_earnings."Region", '') COLLATE "C") IN ('London', 'North East') ORDER BY leo_earnings."Edukey", leo_earnings."TaxYear"
