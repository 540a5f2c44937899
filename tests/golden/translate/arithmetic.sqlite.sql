SELECT leo_earnings."Edukey" 
FROM leo_earnings 
WHERE ((CAST(leo_earnings."TaxYear" AS REAL) * 2.0 - CAST(leo_earnings."KS4_Level2" AS REAL)) + 1.0 > 400000 OR (CAST(leo_earnings."TaxYear" AS REAL) * 2.0 - CAST(leo_earnings."KS4_Level2" AS REAL)) + 1.0 IS NULL) AND -leo_earnings."KS4_APS" < 0 ORDER BY leo_earnings."Edukey", leo_earnings."TaxYear"
