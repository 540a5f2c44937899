SELECT agg_rows._k0 AS [GENDER], avg(CASE WHEN ((agg_rows._r0 - 1) * 100 <= agg_rows._n0 * 50 AND agg_rows._n0 * 50 <= agg_rows._r0 * 100) THEN CAST(agg_rows._v0 AS DOUBLE PRECISION) END) AS [Earnings], COUNT_BIG(agg_rows._v0) AS n 
FROM (SELECT agg_base._k0 AS _k0, agg_base._kl0 AS _kl0, agg_base._v0 AS _v0, row_number() OVER (PARTITION BY agg_base._k0, agg_base._kl0 ORDER BY CASE WHEN (agg_base._v0 IS NULL) THEN 1 ELSE 0 END, agg_base._v0) AS _r0, COUNT_BIG(agg_base._v0) OVER (PARTITION BY agg_base._k0, agg_base._kl0) AS _n0 
FROM (SELECT coalesce(src.[GENDER], '') COLLATE Latin1_General_100_BIN2 AS _k0, (coalesce(src.[GENDER], '') + CHAR(1)) COLLATE Latin1_General_100_BIN2 AS _kl0, CAST(src.[Earnings] AS DOUBLE PRECISION) AS _v0 
FROM (SELECT leo_merged.[Edukey] AS [Edukey], leo_merged.[TaxYear] AS [TaxYear], leo_merged.[Earnings] AS [Earnings], leo_merged.[GENDER] AS [GENDER] 
FROM (SELECT leo_m.[Edukey] AS [Edukey], leo_m.[TaxYear] AS [TaxYear], leo_m.[Earnings] AS [Earnings], leo_u.[GENDER] AS [GENDER] 
FROM (SELECT leo_m0.[Edukey] AS [Edukey], leo_m0.[TaxYear] AS [TaxYear], leo_m0.[Earnings] AS [Earnings], leo_pairs.leo_to AS leo_link 
FROM leo_earnings AS leo_m0 LEFT OUTER JOIN (SELECT leo_pairs_all.leo_from AS leo_from, leo_pairs_all.leo_from_x AS leo_from_x, leo_pairs_all.leo_to AS leo_to, leo_pairs_all.leo_to_x AS leo_to_x 
FROM (SELECT coalesce(leo_l1.[EDUKEY], '') COLLATE Latin1_General_100_BIN2 AS leo_from, (coalesce(leo_l1.[EDUKEY], '') + CHAR(1)) COLLATE Latin1_General_100_BIN2 AS leo_from_x, coalesce(leo_l2.[PMR], '') COLLATE Latin1_General_100_BIN2 AS leo_to, (coalesce(leo_l2.[PMR], '') + CHAR(1)) COLLATE Latin1_General_100_BIN2 AS leo_to_x 
FROM lookup AS leo_l1 JOIN pmr_lookup AS leo_l2 ON leo_l1.[AE_ID] = leo_l2.[AE_ID] 
WHERE DATALENGTH(leo_l1.[EDUKEY]) > 0 AND DATALENGTH(leo_l2.[PMR]) > 0 AND (EXISTS (SELECT 1 
FROM pupils AS leo_o 
WHERE ((leo_l2.[PMR] + CHAR(1)) COLLATE Latin1_General_100_BIN2) = (leo_o.[PMR] + CHAR(1)) AND DATALENGTH(leo_o.[GENDER]) > 0)) GROUP BY coalesce(leo_l1.[EDUKEY], '') COLLATE Latin1_General_100_BIN2, (coalesce(leo_l1.[EDUKEY], '') + CHAR(1)) COLLATE Latin1_General_100_BIN2, coalesce(leo_l2.[PMR], '') COLLATE Latin1_General_100_BIN2, (coalesce(leo_l2.[PMR], '') + CHAR(1)) COLLATE Latin1_General_100_BIN2) AS leo_pairs_all JOIN (SELECT leo_pairs_all.leo_from AS leo_from, leo_pairs_all.leo_from_x AS leo_from_x, count(*) AS leo_n 
FROM (SELECT coalesce(leo_l1.[EDUKEY], '') COLLATE Latin1_General_100_BIN2 AS leo_from, (coalesce(leo_l1.[EDUKEY], '') + CHAR(1)) COLLATE Latin1_General_100_BIN2 AS leo_from_x, coalesce(leo_l2.[PMR], '') COLLATE Latin1_General_100_BIN2 AS leo_to, (coalesce(leo_l2.[PMR], '') + CHAR(1)) COLLATE Latin1_General_100_BIN2 AS leo_to_x 
FROM lookup AS leo_l1 JOIN pmr_lookup AS leo_l2 ON leo_l1.[AE_ID] = leo_l2.[AE_ID] 
WHERE DATALENGTH(leo_l1.[EDUKEY]) > 0 AND DATALENGTH(leo_l2.[PMR]) > 0 AND (EXISTS (SELECT 1 
FROM pupils AS leo_o 
WHERE ((leo_l2.[PMR] + CHAR(1)) COLLATE Latin1_General_100_BIN2) = (leo_o.[PMR] + CHAR(1)) AND DATALENGTH(leo_o.[GENDER]) > 0)) GROUP BY coalesce(leo_l1.[EDUKEY], '') COLLATE Latin1_General_100_BIN2, (coalesce(leo_l1.[EDUKEY], '') + CHAR(1)) COLLATE Latin1_General_100_BIN2, coalesce(leo_l2.[PMR], '') COLLATE Latin1_General_100_BIN2, (coalesce(leo_l2.[PMR], '') + CHAR(1)) COLLATE Latin1_General_100_BIN2) AS leo_pairs_all GROUP BY leo_pairs_all.leo_from, leo_pairs_all.leo_from_x) AS leo_pairs_n ON leo_pairs_all.leo_from = leo_pairs_n.leo_from AND leo_pairs_all.leo_from_x = leo_pairs_n.leo_from_x 
WHERE leo_pairs_n.leo_n = 1) AS leo_pairs ON ((leo_m0.[Edukey] + CHAR(1)) COLLATE Latin1_General_100_BIN2) = (leo_pairs.leo_from + CHAR(1))) AS leo_m JOIN (SELECT leo_u_w.[PMR] AS [PMR], leo_u_w.[GENDER] AS [GENDER] 
FROM pupils AS leo_u_w 
WHERE DATALENGTH(leo_u_w.[GENDER]) > 0) AS leo_u ON ((leo_m.leo_link + CHAR(1)) COLLATE Latin1_General_100_BIN2) = (leo_u.[PMR] + CHAR(1))) AS leo_merged 
WHERE leo_merged.[TaxYear] = 202021) AS src) AS agg_base) AS agg_rows GROUP BY agg_rows._k0, agg_rows._kl0 ORDER BY agg_rows._kl0
-- probe: using unique on PMR
SELECT TOP 1 1 AS leo_duplicate 
FROM (SELECT coalesce(leo_tp.[PMR], '') COLLATE Latin1_General_100_BIN2 AS leo_k0, (coalesce(leo_tp.[PMR], '') + CHAR(1)) COLLATE Latin1_General_100_BIN2 AS leo_kl0 
FROM (SELECT leo_t.[PMR] AS [PMR] 
FROM (SELECT leo_t_w.[PMR] AS [PMR] 
FROM pupils AS leo_t_w 
WHERE DATALENGTH(leo_t_w.[GENDER]) > 0) AS leo_t 
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
WHERE ((leo_l2.[PMR] + CHAR(1)) COLLATE Latin1_General_100_BIN2) = (leo_o.[PMR] + CHAR(1)) AND DATALENGTH(leo_o.[GENDER]) > 0)) GROUP BY coalesce(leo_l1.[EDUKEY], '') COLLATE Latin1_General_100_BIN2, (coalesce(leo_l1.[EDUKEY], '') + CHAR(1)) COLLATE Latin1_General_100_BIN2, coalesce(leo_l2.[PMR], '') COLLATE Latin1_General_100_BIN2, (coalesce(leo_l2.[PMR], '') + CHAR(1)) COLLATE Latin1_General_100_BIN2) AS leo_cpairs_all GROUP BY leo_cpairs_all.leo_from, leo_cpairs_all.leo_from_x) AS leo_per ON leo_persons.leo_from = leo_per.leo_from AND leo_persons.leo_from_x = leo_per.leo_from_x
