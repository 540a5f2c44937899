SELECT leo_merged."Edukey", leo_merged."TaxYear", CAST(leo_merged."Earnings" AS DOUBLE PRECISION) AS "Earnings" 
FROM (SELECT leo_m."Edukey" AS "Edukey", leo_m."TaxYear" AS "TaxYear", leo_m."Earnings" AS "Earnings" 
FROM leo_earnings AS leo_m LEFT OUTER JOIN (SELECT leo_u0."Edukey" AS "Edukey", 1 AS leo_in_using 
FROM persons AS leo_u0) AS leo_u ON (leo_m."Edukey" COLLATE "C") = (COALESCE(leo_u."Edukey", '') COLLATE "C") 
WHERE leo_u.leo_in_using IS NULL) AS leo_merged ORDER BY COALESCE(leo_merged."Edukey", '') COLLATE "C", CASE WHEN (leo_merged."TaxYear" IS NULL) THEN 1 ELSE 0 END, leo_merged."TaxYear"
-- probe: using unique on Edukey
SELECT 1 AS leo_duplicate 
FROM (SELECT coalesce(leo_t."Edukey", '') COLLATE "C" AS leo_k0 
FROM persons AS leo_t) AS leo_keys GROUP BY leo_keys.leo_k0 
HAVING count(*) > 1 
 LIMIT 1
