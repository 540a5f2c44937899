SELECT leo_earnings."Edukey" 
FROM leo_earnings 
WHERE (COALESCE(leo_earnings."Region", '') COLLATE "C") < 'M' AND (COALESCE(leo_earnings."Sex", '') COLLATE "C") >= 'F' ORDER BY leo_earnings."Edukey", leo_earnings."TaxYear"
