SELECT leo_earnings."Edukey" 
FROM leo_earnings 
WHERE (COALESCE(leo_earnings."Region", '') COLLATE "BINARY") != 'London ' ORDER BY leo_earnings."Edukey", leo_earnings."TaxYear"
