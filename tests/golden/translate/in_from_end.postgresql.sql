SELECT leo_rows."Edukey" 
FROM (SELECT leo_earnings."Edukey" AS "Edukey", leo_earnings."TaxYear" AS "TaxYear", row_number() OVER (ORDER BY leo_earnings."Edukey" COLLATE "C", CASE WHEN (leo_earnings."TaxYear" IS NULL) THEN 1 ELSE 0 END, leo_earnings."TaxYear") AS leo_obs, COUNT(*) OVER () AS leo_nobs 
FROM leo_earnings) AS leo_rows 
WHERE leo_rows.leo_obs > leo_rows.leo_nobs - 10 ORDER BY leo_rows.leo_obs
