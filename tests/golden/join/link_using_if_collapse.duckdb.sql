SELECT agg_base._k0 AS "GENDER", CASE WHEN (count(agg_base._v0) = 0) THEN NULL WHEN ((count(agg_base._v0) * 50) % 100 = 0) THEN (CAST((quantile_disc(agg_base._v0, [0.499999999999, 0.500000000001]))[1] AS DOUBLE PRECISION) + CAST((quantile_disc(agg_base._v0, [0.499999999999, 0.500000000001]))[2] AS DOUBLE PRECISION)) / 2 ELSE CAST((quantile_disc(agg_base._v0, [0.499999999999, 0.500000000001]))[2] AS DOUBLE PRECISION) END AS "Earnings", count(agg_base._v0) AS n 
FROM (SELECT coalesce(src."GENDER", '') COLLATE "C" AS _k0, CAST(src."Earnings" AS DOUBLE PRECISION) AS _v0 
FROM (SELECT leo_merged."Edukey" AS "Edukey", leo_merged."TaxYear" AS "TaxYear", leo_merged."Earnings" AS "Earnings", leo_merged."GENDER" AS "GENDER" 
FROM (SELECT leo_m."Edukey" AS "Edukey", leo_m."TaxYear" AS "TaxYear", leo_m."Earnings" AS "Earnings", leo_u."GENDER" AS "GENDER" 
FROM (SELECT leo_m0."Edukey" AS "Edukey", leo_m0."TaxYear" AS "TaxYear", leo_m0."Earnings" AS "Earnings", leo_pairs.leo_to AS leo_link 
FROM leo_earnings AS leo_m0 LEFT OUTER JOIN (SELECT leo_pairs_all.leo_from AS leo_from, leo_pairs_all.leo_to AS leo_to 
FROM (SELECT coalesce(leo_l1."EDUKEY", '') COLLATE "C" AS leo_from, coalesce(leo_l2."PMR", '') COLLATE "C" AS leo_to 
FROM lookup AS leo_l1 JOIN pmr_lookup AS leo_l2 ON leo_l1."AE_ID" = leo_l2."AE_ID" 
WHERE (leo_l1."EDUKEY" COLLATE "C") != '' AND (leo_l2."PMR" COLLATE "C") != '' AND (EXISTS (SELECT 1 
FROM pupils AS leo_o 
WHERE (leo_l2."PMR" COLLATE "C") = (leo_o."PMR" COLLATE "C") AND (leo_o."GENDER" COLLATE "C") != '')) GROUP BY coalesce(leo_l1."EDUKEY", '') COLLATE "C", coalesce(leo_l2."PMR", '') COLLATE "C") AS leo_pairs_all JOIN (SELECT leo_pairs_all.leo_from AS leo_from, count(*) AS leo_n 
FROM (SELECT coalesce(leo_l1."EDUKEY", '') COLLATE "C" AS leo_from, coalesce(leo_l2."PMR", '') COLLATE "C" AS leo_to 
FROM lookup AS leo_l1 JOIN pmr_lookup AS leo_l2 ON leo_l1."AE_ID" = leo_l2."AE_ID" 
WHERE (leo_l1."EDUKEY" COLLATE "C") != '' AND (leo_l2."PMR" COLLATE "C") != '' AND (EXISTS (SELECT 1 
FROM pupils AS leo_o 
WHERE (leo_l2."PMR" COLLATE "C") = (leo_o."PMR" COLLATE "C") AND (leo_o."GENDER" COLLATE "C") != '')) GROUP BY coalesce(leo_l1."EDUKEY", '') COLLATE "C", coalesce(leo_l2."PMR", '') COLLATE "C") AS leo_pairs_all GROUP BY leo_pairs_all.leo_from) AS leo_pairs_n ON leo_pairs_all.leo_from = leo_pairs_n.leo_from 
WHERE leo_pairs_n.leo_n = 1) AS leo_pairs ON (leo_m0."Edukey" COLLATE "C") = (leo_pairs.leo_from COLLATE "C")) AS leo_m JOIN (SELECT leo_u_w."PMR" AS "PMR", leo_u_w."GENDER" AS "GENDER" 
FROM pupils AS leo_u_w 
WHERE (leo_u_w."GENDER" COLLATE "C") != '') AS leo_u ON (leo_m.leo_link COLLATE "C") = (leo_u."PMR" COLLATE "C")) AS leo_merged 
WHERE leo_merged."TaxYear" = 202021) AS src) AS agg_base GROUP BY agg_base._k0 ORDER BY agg_base._k0
-- probe: using unique on PMR
SELECT 1 AS leo_duplicate 
FROM (SELECT coalesce(leo_tp."PMR", '') COLLATE "C" AS leo_k0 
FROM (SELECT leo_t."PMR" AS "PMR" 
FROM (SELECT leo_t_w."PMR" AS "PMR" 
FROM pupils AS leo_t_w 
WHERE (leo_t_w."GENDER" COLLATE "C") != '') AS leo_t 
WHERE (leo_t."PMR" COLLATE "C") != '') AS leo_tp) AS leo_keys GROUP BY leo_keys.leo_k0 
HAVING count(*) > 1 
 LIMIT 1
-- link counts: Edukey (EDUKEY -> AE_ID -> PMR) PMR
SELECT COUNT(*) AS persons, coalesce(sum(CASE WHEN (leo_per.leo_n IS NULL) THEN 1 ELSE 0 END), 0) AS unmatched, coalesce(sum(CASE WHEN (leo_per.leo_n = 1) THEN 1 ELSE 0 END), 0) AS matched, coalesce(sum(CASE WHEN (leo_per.leo_n > 1) THEN 1 ELSE 0 END), 0) AS multiple 
FROM (SELECT coalesce(leo_p0."Edukey", '') COLLATE "C" AS leo_from 
FROM leo_earnings AS leo_p0 
WHERE (leo_p0."Edukey" COLLATE "C") != '' GROUP BY coalesce(leo_p0."Edukey", '') COLLATE "C") AS leo_persons LEFT OUTER JOIN (SELECT leo_cpairs_all.leo_from AS leo_from, count(*) AS leo_n 
FROM (SELECT coalesce(leo_l1."EDUKEY", '') COLLATE "C" AS leo_from, coalesce(leo_l2."PMR", '') COLLATE "C" AS leo_to 
FROM lookup AS leo_l1 JOIN pmr_lookup AS leo_l2 ON leo_l1."AE_ID" = leo_l2."AE_ID" 
WHERE (leo_l1."EDUKEY" COLLATE "C") != '' AND (leo_l2."PMR" COLLATE "C") != '' AND (EXISTS (SELECT 1 
FROM pupils AS leo_o 
WHERE (leo_l2."PMR" COLLATE "C") = (leo_o."PMR" COLLATE "C") AND (leo_o."GENDER" COLLATE "C") != '')) GROUP BY coalesce(leo_l1."EDUKEY", '') COLLATE "C", coalesce(leo_l2."PMR", '') COLLATE "C") AS leo_cpairs_all GROUP BY leo_cpairs_all.leo_from) AS leo_per ON leo_persons.leo_from = leo_per.leo_from
