SELECT leo_earnings."Edukey" 
FROM leo_earnings 
WHERE leo_earnings."Earnings" > 5 OR leo_earnings."Earnings" IS NULL ORDER BY leo_earnings."Edukey" COLLATE "C", CASE WHEN (leo_earnings."TaxYear" IS NULL) THEN 1 ELSE 0 END, leo_earnings."TaxYear"
