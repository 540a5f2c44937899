SELECT leo_earnings."Edukey" 
FROM leo_earnings 
WHERE (NULLIF(MIN(COALESCE(leo_earnings."KS4_APS", 9e999), COALESCE(leo_earnings."Earnings", 9e999)), 9e999) > 10 OR NULLIF(MIN(COALESCE(leo_earnings."KS4_APS", 9e999), COALESCE(leo_earnings."Earnings", 9e999)), 9e999) IS NULL) AND NULLIF(MAX(COALESCE(leo_earnings."KS4_APS", -9e999), COALESCE(leo_earnings."Earnings", -9e999), COALESCE(leo_earnings."TaxYear", -9e999)), -9e999) IS NOT NULL ORDER BY leo_earnings."Edukey", leo_earnings."TaxYear"
