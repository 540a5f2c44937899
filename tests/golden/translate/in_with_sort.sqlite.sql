SELECT leo_rows."Edukey" 
FROM (SELECT leo_nokey."Edukey" AS "Edukey", leo_nokey."TaxYear" AS "TaxYear", leo_nokey."Region" AS "Region", row_number() OVER (ORDER BY COALESCE(leo_nokey."Region", '') COLLATE "BINARY", CASE WHEN (leo_nokey."TaxYear" IS NULL) THEN 1 ELSE 0 END, leo_nokey."TaxYear") AS leo_obs 
FROM leo_nokey) AS leo_rows 
WHERE (leo_rows."Region" COLLATE "BINARY") = 'London' AND leo_rows.leo_obs >= 5 AND leo_rows.leo_obs <= 20 ORDER BY leo_rows.leo_obs
