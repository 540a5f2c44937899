SELECT leo_earnings."Edukey" 
FROM leo_earnings 
WHERE leo_earnings."Region" IS NULL OR (leo_earnings."Region" COLLATE "BINARY") = '' OR (COALESCE(leo_earnings."Region", '') COLLATE "BINARY") IN ('London', 'North East') ORDER BY leo_earnings."Edukey" COLLATE "BINARY", CASE WHEN (leo_earnings."TaxYear" IS NULL) THEN 1 ELSE 0 END, leo_earnings."TaxYear"
