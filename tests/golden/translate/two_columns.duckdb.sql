SELECT leo_earnings."Edukey" 
FROM leo_earnings 
WHERE leo_earnings."KS4_APS" >= leo_earnings."Earnings" OR leo_earnings."KS4_APS" IS NULL ORDER BY leo_earnings."Edukey", leo_earnings."TaxYear"
