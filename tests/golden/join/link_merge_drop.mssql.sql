SELECT leo_merged.[Edukey], leo_merged.[TaxYear], CAST(leo_merged.[Earnings] AS DOUBLE PRECISION) AS [Earnings], leo_merged.[GENDER], leo_merged._merge 
FROM (SELECT leo_m.[Edukey] AS [Edukey], leo_m.[TaxYear] AS [TaxYear], leo_m.[Earnings] AS [Earnings], leo_u.[GENDER] AS [GENDER], CASE WHEN (leo_u.leo_in_using IS NULL) THEN 1 ELSE 3 END AS _merge 
FROM (SELECT leo_m0.[Edukey] AS [Edukey], leo_m0.[TaxYear] AS [TaxYear], leo_m0.[Earnings] AS [Earnings], leo_pairs.leo_to AS leo_link 
FROM leo_earnings AS leo_m0 LEFT OUTER JOIN (SELECT leo_pairs_all.leo_from AS leo_from, leo_pairs_all.leo_from_x AS leo_from_x, leo_pairs_all.leo_to AS leo_to, leo_pairs_all.leo_to_x AS leo_to_x 
FROM (SELECT coalesce(leo_l1.[EDUKEY], '') COLLATE Latin1_General_100_BIN2 AS leo_from, (coalesce(leo_l1.[EDUKEY], '') + CHAR(1)) COLLATE Latin1_General_100_BIN2 AS leo_from_x, coalesce(leo_l2.[PMR], '') COLLATE Latin1_General_100_BIN2 AS leo_to, (coalesce(leo_l2.[PMR], '') + CHAR(1)) COLLATE Latin1_General_100_BIN2 AS leo_to_x 
FROM lookup AS leo_l1 JOIN pmr_lookup AS leo_l2 ON leo_l1.[AE_ID] = leo_l2.[AE_ID] 
WHERE DATALENGTH(leo_l1.[EDUKEY]) > 0 AND DATALENGTH(leo_l2.[PMR]) > 0 AND (EXISTS (SELECT 1 
FROM pupils AS leo_o 
WHERE ((leo_l2.[PMR] + CHAR(1)) COLLATE Latin1_General_100_BIN2) = (leo_o.[PMR] + CHAR(1)))) GROUP BY coalesce(leo_l1.[EDUKEY], '') COLLATE Latin1_General_100_BIN2, (coalesce(leo_l1.[EDUKEY], '') + CHAR(1)) COLLATE Latin1_General_100_BIN2, coalesce(leo_l2.[PMR], '') COLLATE Latin1_General_100_BIN2, (coalesce(leo_l2.[PMR], '') + CHAR(1)) COLLATE Latin1_General_100_BIN2) AS leo_pairs_all JOIN (SELECT leo_pairs_all.leo_from AS leo_from, leo_pairs_all.leo_from_x AS leo_from_x, count(*) AS leo_n 
FROM (SELECT coalesce(leo_l1.[EDUKEY], '') COLLATE Latin1_General_100_BIN2 AS leo_from, (coalesce(leo_l1.[EDUKEY], '') + CHAR(1)) COLLATE Latin1_General_100_BIN2 AS leo_from_x, coalesce(leo_l2.[PMR], '') COLLATE Latin1_General_100_BIN2 AS leo_to, (coalesce(leo_l2.[PMR], '') + CHAR(1)) COLLATE Latin1_General_100_BIN2 AS leo_to_x 
FROM lookup AS leo_l1 JOIN pmr_lookup AS leo_l2 ON leo_l1.[AE_ID] = leo_l2.[AE_ID] 
WHERE DATALENGTH(leo_l1.[EDUKEY]) > 0 AND DATALENGTH(leo_l2.[PMR]) > 0 AND (EXISTS (SELECT 1 
FROM pupils AS leo_o 
WHERE ((leo_l2.[PMR] + CHAR(1)) COLLATE Latin1_General_100_BIN2) = (leo_o.[PMR] + CHAR(1)))) GROUP BY coalesce(leo_l1.[EDUKEY], '') COLLATE Latin1_General_100_BIN2, (coalesce(leo_l1.[EDUKEY], '') + CHAR(1)) COLLATE Latin1_General_100_BIN2, coalesce(leo_l2.[PMR], '') COLLATE Latin1_General_100_BIN2, (coalesce(leo_l2.[PMR], '') + CHAR(1)) COLLATE Latin1_General_100_BIN2) AS leo_pairs_all GROUP BY leo_pairs_all.leo_from, leo_pairs_all.leo_from_x) AS leo_pairs_n ON leo_pairs_all.leo_from = leo_pairs_n.leo_from AND leo_pairs_all.leo_from_x = leo_pairs_n.leo_from_x 
WHERE leo_pairs_n.leo_n = 1) AS leo_pairs ON ((leo_m0.[Edukey] + CHAR(1)) COLLATE Latin1_General_100_BIN2) = (leo_pairs.leo_from + CHAR(1))) AS leo_m LEFT OUTER JOIN (SELECT leo_u0.[PMR] AS [PMR], leo_u0.[GENDER] AS [GENDER], 1 AS leo_in_using 
FROM pupils AS leo_u0) AS leo_u ON ((leo_m.leo_link + CHAR(1)) COLLATE Latin1_General_100_BIN2) = (leo_u.[PMR] + CHAR(1))) AS leo_merged ORDER BY (ISNULL(leo_merged.[Edukey], '') + CHAR(1)) COLLATE Latin1_General_100_BIN2, CASE WHEN (leo_merged.[TaxYear] IS NULL) THEN 1 ELSE 0 END, leo_merged.[TaxYear]
-- probe: using unique on PMR
SELECT TOP 1 1 AS leo_duplicate 
FROM (SELECT coalesce(leo_tp.[PMR], '') COLLATE Latin1_General_100_BIN2 AS leo_k0, (coalesce(leo_tp.[PMR], '') + CHAR(1)) COLLATE Latin1_General_100_BIN2 AS leo_kl0 
FROM (SELECT leo_t.[PMR] AS [PMR] 
FROM pupils AS leo_t 
WHERE DATALENGTH(leo_t.[PMR]) > 0) AS leo_tp) AS leo_keys GROUP BY leo_keys.leo_k0, leo_keys.leo_kl0 
HAVING count(*) > 1
-- link counts: Edukey (EDUKEY -> AE_ID -> PMR) PMR
SELECT COUNT_BIG(*) AS persons, coalesce(sum(CASE WHEN (leo_per.leo_n IS NULL) THEN 1 ELSE 0 END), 0) AS unmatched, coalesce(sum(CASE WHEN (leo_per.leo_n = 1) THEN 1 ELSE 0 END), 0) AS matched, coalesce(sum(CASE WHEN (leo_per.leo_n > 1) THEN 1 ELSE 0 END), 0) AS multiple 
FROM (SELECT coalesce(leo_p0.[Edukey], '') COLLATE Latin1_General_100_BIN2 AS leo_from, (coalesce(leo_p0.[Edukey], '') + CHAR(1)) COLLATE Latin1_General_100_BIN2 AS leo_from_x 
FROM leo_earnings AS leo_p0 
WHERE DATALENGTH(leo_p0.[Edukey]) > 0 GROUP BY coalesce(leo_p0.[Edukey], '') COLLATE Latin1_General_100_BIN2, (coalesce(leo_p0.[Edukey], '') + CHAR(1)) COLLATE Latin1_General_100_BIN2) AS leo_persons LEFT OUTER JOIN (SELECT leo_cpairs_all.leo_from AS leo_from, leo_cpairs_all.leo_from_x AS leo_from_x, count(*) AS leo_n 
FROM (SELECT coalesce(leo_l1.[EDUKEY], '') COLLATE Latin1_General_100_BIN2 AS leo_from, (coalesce(leo_l1.[EDUKEY], '') + CHAR(1)) COLLATE Latin1_General_100_BIN2 AS leo_from_x, coalesce(leo_l2.[PMR], '') COLLATE Latin1_General_100_BIN2 AS leo_to, (coalesce(leo_l2.[PMR], '') + CHAR(1)) COLLATE Latin1_General_100_BIN2 AS leo_to_x 
FROM lookup AS leo_l1 JOIN pmr_lookup AS leo_l2 ON leo_l1.[AE_ID] = leo_l2.[AE_ID] 
WHERE DATALENGTH(leo_l1.[EDUKEY]) > 0 AND DATALENGTH(leo_l2.[PMR]) > 0 AND (EXISTS (SELECT 1 
FROM pupils AS leo_o 
WHERE ((leo_l2.[PMR] + CHAR(1)) COLLATE Latin1_General_100_BIN2) = (leo_o.[PMR] + CHAR(1)))) GROUP BY coalesce(leo_l1.[EDUKEY], '') COLLATE Latin1_General_100_BIN2, (coalesce(leo_l1.[EDUKEY], '') + CHAR(1)) COLLATE Latin1_General_100_BIN2, coalesce(leo_l2.[PMR], '') COLLATE Latin1_General_100_BIN2, (coalesce(leo_l2.[PMR], '') + CHAR(1)) COLLATE Latin1_General_100_BIN2) AS leo_cpairs_all GROUP BY leo_cpairs_all.leo_from, leo_cpairs_all.leo_from_x) AS leo_per ON leo_persons.leo_from = leo_per.leo_from AND leo_persons.leo_from_x = leo_per.leo_from_x
