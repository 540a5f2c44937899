SELECT leo_earnings."Edukey" 
FROM leo_earnings 
WHERE leo_earnings."Earnings" IS NOT NULL AND (leo_earnings."Earnings" >= 1000 OR leo_earnings."Earnings" IS NULL) AND (leo_earnings."Region" COLLATE "C") != '' AND (COALESCE(leo_earnings."Region", '') COLLATE "C") >= 'A' AND (COALESCE(leo_earnings."Region", '') COLLATE "C") <= 'M' ORDER BY leo_earnings."Edukey", leo_earnings."TaxYear"
