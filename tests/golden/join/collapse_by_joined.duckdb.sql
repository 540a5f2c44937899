SELECT agg_base._k1 AS "SEXID", agg_base._k0 AS "SUBJECT", CASE WHEN (count(agg_base._v0) = 0) THEN NULL WHEN ((count(agg_base._v0) * 50) % 100 = 0) THEN (CAST((quantile_disc(agg_base._v0, [0.499999999999, 0.500000000001]))[1] AS DOUBLE PRECISION) + CAST((quantile_disc(agg_base._v0, [0.499999999999, 0.500000000001]))[2] AS DOUBLE PRECISION)) / 2 ELSE CAST((quantile_disc(agg_base._v0, [0.499999999999, 0.500000000001]))[2] AS DOUBLE PRECISION) END AS "Earnings", count(agg_base._v0) AS n 
FROM (SELECT coalesce(src."SUBJECT", '') COLLATE "C" AS _k0, coalesce(src."SEXID", '') COLLATE "C" AS _k1, CAST(src."Earnings" AS DOUBLE PRECISION) AS _v0 
FROM (SELECT leo_merged."Edukey" AS "Edukey", leo_merged."TaxYear" AS "TaxYear", leo_merged."Earnings" AS "Earnings", leo_merged."SEXID" AS "SEXID", leo_merged."SUBJECT" AS "SUBJECT" 
FROM (SELECT leo_m."Edukey" AS "Edukey", leo_m."TaxYear" AS "TaxYear", leo_m."Earnings" AS "Earnings", leo_u."SEXID" AS "SEXID", leo_u."SUBJECT" AS "SUBJECT" 
FROM leo_earnings AS leo_m JOIN persons AS leo_u ON (leo_m."Edukey" COLLATE "C") = (COALESCE(leo_u."Edukey", '') COLLATE "C")) AS leo_merged 
WHERE leo_merged."TaxYear" >= 201516 OR leo_merged."TaxYear" IS NULL) AS src) AS agg_base GROUP BY agg_base._k0, agg_base._k1 ORDER BY agg_base._k0, agg_base._k1
-- probe: using unique on Edukey
SELECT 1 AS leo_duplicate 
FROM (SELECT coalesce(leo_t."Edukey", '') COLLATE "C" AS leo_k0 
FROM persons AS leo_t) AS leo_keys GROUP BY leo_keys.leo_k0 
HAVING count(*) > 1 
 LIMIT 1
