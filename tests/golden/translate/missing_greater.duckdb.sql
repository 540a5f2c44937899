SELECT leo_earnings."Edukey" 
FROM leo_earnings 
WHERE leo_earnings."Earnings" > 5 OR leo_earnings."Earnings" IS NULL ORDER BY leo_earnings."Edukey", leo_earnings."TaxYear"
