SELECT leo_earnings."Edukey" 
FROM leo_earnings 
WHERE leo_earnings."Earnings" IS NULL OR leo_earnings."KS4_APS" IS NOT NULL ORDER BY leo_earnings."Edukey", leo_earnings."TaxYear"
