SELECT leo_merged."Edukey", leo_merged."TaxYear", CAST(leo_merged."Earnings" AS DOUBLE) AS "Earnings", leo_merged."SEXID", leo_merged."AE_ID" 
FROM (SELECT leo_m."Edukey" AS "Edukey", leo_m."TaxYear" AS "TaxYear", leo_m."Earnings" AS "Earnings", leo_m."SEXID" AS "SEXID", leo_u."AE_ID" AS "AE_ID" 
FROM (SELECT leo_m."Edukey" AS "Edukey", leo_m."TaxYear" AS "TaxYear", leo_m."Earnings" AS "Earnings", leo_u."SEXID" AS "SEXID" 
FROM leo_earnings AS leo_m LEFT OUTER JOIN (SELECT leo_u0."Edukey" AS "Edukey", leo_u0."SEXID" AS "SEXID", 1 AS leo_in_using 
FROM persons AS leo_u0) AS leo_u ON (leo_m."Edukey" COLLATE "BINARY") = COALESCE(leo_u."Edukey", '') UNION ALL SELECT leo_u2."Edukey" AS "Edukey", leo_m2."TaxYear" AS "TaxYear", leo_m2."Earnings" AS "Earnings", leo_u2."SEXID" AS "SEXID" 
FROM persons AS leo_u2 LEFT OUTER JOIN (SELECT leo_m0."Edukey" AS "Edukey", leo_m0."TaxYear" AS "TaxYear", leo_m0."Earnings" AS "Earnings", 1 AS leo_in_master 
FROM leo_earnings AS leo_m0) AS leo_m2 ON (leo_m2."Edukey" COLLATE "BINARY") = COALESCE(leo_u2."Edukey", '') 
WHERE leo_m2.leo_in_master IS NULL) AS leo_m LEFT OUTER JOIN (SELECT leo_u0."EDUKEY" AS "EDUKEY", leo_u0."AE_ID" AS "AE_ID", 1 AS leo_in_using 
FROM lookup AS leo_u0) AS leo_u ON (COALESCE(leo_m."Edukey", '') COLLATE "BINARY") = COALESCE(leo_u."EDUKEY", '')) AS leo_merged ORDER BY COALESCE(leo_merged."Edukey", '') COLLATE "BINARY", CASE WHEN (leo_merged."TaxYear" IS NULL) THEN 1 ELSE 0 END, leo_merged."TaxYear", CASE WHEN (leo_merged."AE_ID" IS NULL) THEN 1 ELSE 0 END, leo_merged."AE_ID"
-- probe: using unique on Edukey
SELECT 1 AS leo_duplicate 
FROM (SELECT coalesce(leo_t."Edukey", '') COLLATE "BINARY" AS leo_k0 
FROM persons AS leo_t) AS leo_keys GROUP BY leo_keys.leo_k0 
HAVING count(*) > 1
 LIMIT 1 OFFSET 0
-- probe: master unique on Edukey
SELECT 1 AS leo_duplicate 
FROM (SELECT coalesce(leo_t."Edukey", '') COLLATE "BINARY" AS leo_k0 
FROM (SELECT leo_m."Edukey" AS "Edukey" 
FROM leo_earnings AS leo_m LEFT OUTER JOIN (SELECT leo_u0."Edukey" AS "Edukey", 1 AS leo_in_using 
FROM persons AS leo_u0) AS leo_u ON (leo_m."Edukey" COLLATE "BINARY") = COALESCE(leo_u."Edukey", '') UNION ALL SELECT leo_u2."Edukey" AS "Edukey" 
FROM persons AS leo_u2 LEFT OUTER JOIN (SELECT leo_m0."Edukey" AS "Edukey", 1 AS leo_in_master 
FROM leo_earnings AS leo_m0) AS leo_m2 ON (leo_m2."Edukey" COLLATE "BINARY") = COALESCE(leo_u2."Edukey", '') 
WHERE leo_m2.leo_in_master IS NULL) AS leo_t) AS leo_keys GROUP BY leo_keys.leo_k0 
HAVING count(*) > 1
 LIMIT 1 OFFSET 0
