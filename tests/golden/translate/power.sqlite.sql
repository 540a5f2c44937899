SELECT leo_earnings."Edukey" 
FROM leo_earnings 
WHERE (CASE WHEN (ABS(POWER(leo_earnings."KS4_APS", 2.0)) > 8.988465674311579e+307) THEN NULL ELSE POWER(leo_earnings."KS4_APS", 2.0) END > 10 OR CASE WHEN (ABS(POWER(leo_earnings."KS4_APS", 2.0)) > 8.988465674311579e+307) THEN NULL ELSE POWER(leo_earnings."KS4_APS", 2.0) END IS NULL) AND CASE WHEN (CAST(leo_earnings."Earnings" AS REAL) < 0 AND 0.5 != (-CEIL(-0.5))) THEN NULL ELSE POWER(CAST(leo_earnings."Earnings" AS REAL), 0.5) END < 100 ORDER BY leo_earnings."Edukey", leo_earnings."TaxYear"
