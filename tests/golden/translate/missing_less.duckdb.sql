SELECT leo_earnings."Edukey" 
FROM leo_earnings 
WHERE leo_earnings."KS4_APS" < 2.5 ORDER BY leo_earnings."Edukey", leo_earnings."TaxYear"
