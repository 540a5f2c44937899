SELECT leo_earnings."Edukey", leo_earnings."TaxYear", CAST(leo_earnings."Earnings" AS DOUBLE PRECISION) AS "Earnings" 
FROM leo_earnings 
WHERE EXISTS (SELECT 1 
FROM (SELECT coalesce(leo_l1."EDUKEY", '') COLLATE "C" AS leo_from, coalesce(leo_l2."PMR", '') COLLATE "C" AS leo_to 
FROM lookup AS leo_l1 JOIN pmr_lookup AS leo_l2 ON leo_l1."AE_ID" = leo_l2."AE_ID" 
WHERE (leo_l1."EDUKEY" COLLATE "C") != '' AND (leo_l2."PMR" COLLATE "C") != '' AND (EXISTS (SELECT 1 
FROM pupils AS leo_c1 
WHERE (leo_l2."PMR" COLLATE "C") = leo_c1."PMR" AND (leo_c1."GENDER" COLLATE "C") = 'F')) GROUP BY coalesce(leo_l1."EDUKEY", '') COLLATE "C", coalesce(leo_l2."PMR", '') COLLATE "C") AS leo_c1_pairs_all 
WHERE (leo_earnings."Edukey" COLLATE "C") = leo_c1_pairs_all.leo_from) ORDER BY leo_earnings."Edukey", leo_earnings."TaxYear"
-- link counts: Edukey (EDUKEY -> AE_ID -> PMR) PMR
SELECT COUNT(*) AS persons, coalesce(sum(CASE WHEN (leo_per.leo_n IS NULL) THEN 1 ELSE 0 END), 0) AS unmatched, coalesce(sum(CASE WHEN (leo_per.leo_n = 1) THEN 1 ELSE 0 END), 0) AS matched, coalesce(sum(CASE WHEN (leo_per.leo_n > 1) THEN 1 ELSE 0 END), 0) AS multiple 
FROM (SELECT coalesce(leo_p0."Edukey", '') COLLATE "C" AS leo_from 
FROM leo_earnings AS leo_p0 
WHERE (leo_p0."Edukey" COLLATE "C") != '' GROUP BY coalesce(leo_p0."Edukey", '') COLLATE "C") AS leo_persons LEFT OUTER JOIN (SELECT leo_cpairs_all.leo_from AS leo_from, count(*) AS leo_n 
FROM (SELECT coalesce(leo_l1."EDUKEY", '') COLLATE "C" AS leo_from, coalesce(leo_l2."PMR", '') COLLATE "C" AS leo_to 
FROM lookup AS leo_l1 JOIN pmr_lookup AS leo_l2 ON leo_l1."AE_ID" = leo_l2."AE_ID" 
WHERE (leo_l1."EDUKEY" COLLATE "C") != '' AND (leo_l2."PMR" COLLATE "C") != '' AND (EXISTS (SELECT 1 
FROM pupils AS leo_o 
WHERE (leo_l2."PMR" COLLATE "C") = leo_o."PMR" AND (leo_o."GENDER" COLLATE "C") = 'F')) GROUP BY coalesce(leo_l1."EDUKEY", '') COLLATE "C", coalesce(leo_l2."PMR", '') COLLATE "C") AS leo_cpairs_all GROUP BY leo_cpairs_all.leo_from) AS leo_per ON leo_persons.leo_from = leo_per.leo_from
