SELECT leo_earnings."Edukey" 
FROM leo_earnings 
WHERE (COALESCE(leo_earnings."Region", '') COLLATE "BINARY") < 'M' AND (COALESCE(leo_earnings."Sex", '') COLLATE "BINARY") >= 'F' ORDER BY leo_earnings."Edukey", leo_earnings."TaxYear"
