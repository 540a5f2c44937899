SELECT leo_earnings."Edukey" 
FROM leo_earnings 
WHERE (COALESCE(leo_earnings."Region", '') COLLATE "BINARY") < 'M' AND (COALESCE(leo_earnings."Sex", '') COLLATE "BINARY") >= 'F' ORDER BY leo_earnings."Edukey" COLLATE "BINARY", CASE WHEN (leo_earnings."TaxYear" IS NULL) THEN 1 ELSE 0 END, leo_earnings."TaxYear"
