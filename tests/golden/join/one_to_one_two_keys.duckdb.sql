SELECT leo_merged."Edukey", leo_merged."TaxYear" 
FROM (SELECT leo_m."Edukey" AS "Edukey", leo_m."TaxYear" AS "TaxYear" 
FROM leo_earnings AS leo_m LEFT OUTER JOIN (SELECT leo_u0."Edukey" AS "Edukey", leo_u0."TaxYear" AS "TaxYear", 1 AS leo_in_using 
FROM leo_earnings AS leo_u0) AS leo_u ON (leo_m."Edukey" COLLATE "C") = (leo_u."Edukey" COLLATE "C") AND leo_m."TaxYear" IS NOT DISTINCT FROM leo_u."TaxYear" UNION ALL SELECT leo_u2."Edukey" AS "Edukey", leo_u2."TaxYear" AS "TaxYear" 
FROM leo_earnings AS leo_u2 LEFT OUTER JOIN (SELECT leo_m0."Edukey" AS "Edukey", leo_m0."TaxYear" AS "TaxYear", 1 AS leo_in_master 
FROM leo_earnings AS leo_m0) AS leo_m2 ON (leo_m2."Edukey" COLLATE "C") = (leo_u2."Edukey" COLLATE "C") AND leo_m2."TaxYear" IS NOT DISTINCT FROM leo_u2."TaxYear" 
WHERE leo_m2.leo_in_master IS NULL) AS leo_merged ORDER BY COALESCE(leo_merged."Edukey", '') COLLATE "C", CASE WHEN (leo_merged."TaxYear" IS NULL) THEN 1 ELSE 0 END, leo_merged."TaxYear"
-- probe: master unique on Edukey TaxYear
SELECT 1 AS leo_duplicate 
FROM (SELECT coalesce(leo_t."Edukey", '') COLLATE "C" AS leo_k0, leo_t."TaxYear" AS leo_k1 
FROM leo_earnings AS leo_t) AS leo_keys GROUP BY leo_keys.leo_k0, leo_keys.leo_k1 
HAVING count(*) > 1 
 LIMIT 1
-- probe: using unique on Edukey TaxYear
SELECT 1 AS leo_duplicate 
FROM (SELECT coalesce(leo_t."Edukey", '') COLLATE "C" AS leo_k0, leo_t."TaxYear" AS leo_k1 
FROM leo_earnings AS leo_t) AS leo_keys GROUP BY leo_keys.leo_k0, leo_keys.leo_k1 
HAVING count(*) > 1 
 LIMIT 1
