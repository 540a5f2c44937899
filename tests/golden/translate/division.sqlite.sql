SELECT leo_earnings."Edukey" 
FROM leo_earnings 
WHERE (CAST(leo_earnings."Earnings" AS REAL) / NULLIF(CAST(leo_earnings."TaxYear" AS REAL), 0) > 1 OR CAST(leo_earnings."Earnings" AS REAL) / NULLIF(CAST(leo_earnings."TaxYear" AS REAL), 0) IS NULL) AND leo_earnings."KS4_APS" / 2.0 < 3 ORDER BY leo_earnings."Edukey", leo_earnings."TaxYear"
