SELECT leo_earnings."Edukey" 
FROM leo_earnings 
WHERE (LEAST(leo_earnings."KS4_APS", leo_earnings."Earnings") > 10 OR LEAST(leo_earnings."KS4_APS", leo_earnings."Earnings") IS NULL) AND GREATEST(leo_earnings."KS4_APS", leo_earnings."Earnings", leo_earnings."TaxYear") IS NOT NULL ORDER BY leo_earnings."Edukey", leo_earnings."TaxYear"
