SELECT leo_merged."Edukey", leo_merged."TaxYear", CAST(leo_merged."Earnings" AS DOUBLE PRECISION) AS "Earnings", leo_merged."GENDER", leo_merged._merge 
FROM (SELECT leo_m."Edukey" AS "Edukey", leo_m."TaxYear" AS "TaxYear", leo_m."Earnings" AS "Earnings", leo_u."GENDER" AS "GENDER", CASE WHEN (leo_u.leo_in_using IS NULL) THEN 1 ELSE 3 END AS _merge 
FROM (SELECT leo_m0."Edukey" AS "Edukey", leo_m0."TaxYear" AS "TaxYear", leo_m0."Earnings" AS "Earnings", leo_pairs.leo_to AS leo_link 
FROM leo_earnings AS leo_m0 LEFT OUTER JOIN (SELECT leo_pairs_all.leo_from AS leo_from, leo_pairs_all.leo_to AS leo_to 
FROM (SELECT coalesce(leo_l1."EDUKEY", '') COLLATE "C" AS leo_from, coalesce(leo_l2."PMR", '') COLLATE "C" AS leo_to 
FROM lookup AS leo_l1 JOIN pmr_lookup AS leo_l2 ON leo_l1."AE_ID" = leo_l2."AE_ID" 
WHERE (leo_l1."EDUKEY" COLLATE "C") != '' AND (leo_l2."PMR" COLLATE "C") != '' AND (EXISTS (SELECT 1 
FROM pupils AS leo_o 
WHERE (leo_l2."PMR" COLLATE "C") = (leo_o."PMR" COLLATE "C"))) GROUP BY coalesce(leo_l1."EDUKEY", '') COLLATE "C", coalesce(leo_l2."PMR", '') COLLATE "C") AS leo_pairs_all JOIN (SELECT leo_pairs_all.leo_from AS leo_from, count(*) AS leo_n 
FROM (SELECT coalesce(leo_l1."EDUKEY", '') COLLATE "C" AS leo_from, coalesce(leo_l2."PMR", '') COLLATE "C" AS leo_to 
FROM lookup AS leo_l1 JOIN pmr_lookup AS leo_l2 ON leo_l1."AE_ID" = leo_l2."AE_ID" 
WHERE (leo_l1."EDUKEY" COLLATE "C") != '' AND (leo_l2."PMR" COLLATE "C") != '' AND (EXISTS (SELECT 1 
FROM pupils AS leo_o 
WHERE (leo_l2."PMR" COLLATE "C") = (leo_o."PMR" COLLATE "C"))) GROUP BY coalesce(leo_l1."EDUKEY", '') COLLATE "C", coalesce(leo_l2."PMR", '') COLLATE "C") AS leo_pairs_all GROUP BY leo_pairs_all.leo_from) AS leo_pairs_n ON leo_pairs_all.leo_from = leo_pairs_n.leo_from 
WHERE leo_pairs_n.leo_n = 1) AS leo_pairs ON (leo_m0."Edukey" COLLATE "C") = (leo_pairs.leo_from COLLATE "C")) AS leo_m LEFT OUTER JOIN (SELECT leo_u0."PMR" AS "PMR", leo_u0."GENDER" AS "GENDER", 1 AS leo_in_using 
FROM pupils AS leo_u0) AS leo_u ON (leo_m.leo_link COLLATE "C") = (leo_u."PMR" COLLATE "C")) AS leo_merged ORDER BY COALESCE(leo_merged."Edukey", '') COLLATE "C", CASE WHEN (leo_merged."TaxYear" IS NULL) THEN 1 ELSE 0 END, leo_merged."TaxYear"
-- probe: using unique on PMR
SELECT 1 AS leo_duplicate 
FROM (SELECT coalesce(leo_tp."PMR", '') COLLATE "C" AS leo_k0 
FROM (SELECT leo_t."PMR" AS "PMR" 
FROM pupils AS leo_t 
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
WHERE (leo_l2."PMR" COLLATE "C") = (leo_o."PMR" COLLATE "C"))) GROUP BY coalesce(leo_l1."EDUKEY", '') COLLATE "C", coalesce(leo_l2."PMR", '') COLLATE "C") AS leo_cpairs_all GROUP BY leo_cpairs_all.leo_from) AS leo_per ON leo_persons.leo_from = leo_per.leo_from
