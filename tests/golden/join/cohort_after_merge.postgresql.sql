SELECT agg_base._k0 AS "SEXID", avg(CAST(agg_base._v0 AS DOUBLE PRECISION)) AS "Earnings" 
FROM (SELECT coalesce(src."SEXID", '') COLLATE "C" AS _k0, CAST(src."Earnings" AS DOUBLE PRECISION) AS _v0 
FROM (SELECT leo_merged."Edukey" AS "Edukey", leo_merged."TaxYear" AS "TaxYear", leo_merged."Earnings" AS "Earnings", leo_merged."SEXID" AS "SEXID" 
FROM (SELECT leo_m."Edukey" AS "Edukey", leo_m."TaxYear" AS "TaxYear", leo_m."Earnings" AS "Earnings", leo_u."SEXID" AS "SEXID" 
FROM leo_earnings AS leo_m JOIN persons AS leo_u ON (leo_m."Edukey" COLLATE "C") = COALESCE(leo_u."Edukey", '')) AS leo_merged 
WHERE EXISTS (SELECT 1 
FROM years AS leo_c1 
WHERE coalesce(leo_merged."TaxYear", 0) = coalesce(leo_c1."TaxYear", 0) AND (leo_merged."TaxYear" IS NULL) = (leo_c1."TaxYear" IS NULL) AND (leo_c1."Index" > 100 OR leo_c1."Index" IS NULL))) AS src) AS agg_base GROUP BY agg_base._k0 ORDER BY agg_base._k0
-- probe: using unique on Edukey
SELECT 1 AS leo_duplicate 
FROM (SELECT coalesce(leo_t."Edukey", '') COLLATE "C" AS leo_k0 
FROM persons AS leo_t) AS leo_keys GROUP BY leo_keys.leo_k0 
HAVING count(*) > 1 
 LIMIT 1
