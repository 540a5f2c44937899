SELECT leo_earnings.[Edukey], leo_earnings.[TaxYear], CAST(leo_earnings.[Earnings] AS DOUBLE PRECISION) AS [Earnings] 
FROM leo_earnings 
WHERE EXISTS (SELECT 1 
FROM (SELECT coalesce(leo_l1.[EDUKEY], '') COLLATE Latin1_General_100_BIN2 AS leo_from, (coalesce(leo_l1.[EDUKEY], '') + CHAR(1)) COLLATE Latin1_General_100_BIN2 AS leo_from_x, coalesce(leo_l2.[PMR], '') COLLATE Latin1_General_100_BIN2 AS leo_to, (coalesce(leo_l2.[PMR], '') + CHAR(1)) COLLATE Latin1_General_100_BIN2 AS leo_to_x 
FROM lookup AS leo_l1 JOIN pmr_lookup AS leo_l2 ON leo_l1.[AE_ID] = leo_l2.[AE_ID] 
WHERE DATALENGTH(leo_l1.[EDUKEY]) > 0 AND DATALENGTH(leo_l2.[PMR]) > 0 AND (EXISTS (SELECT 1 
FROM pupils AS leo_c1 
WHERE ((leo_l2.[PMR] + CHAR(1)) COLLATE Latin1_General_100_BIN2) = (leo_c1.[PMR] + CHAR(1)) AND leo_c1.[GENDER] = 'F' AND ((leo_c1.[GENDER] + CHAR(1)) COLLATE Latin1_General_100_BIN2) = ('F' + CHAR(1)))) GROUP BY coalesce(leo_l1.[EDUKEY], '') COLLATE Latin1_General_100_BIN2, (coalesce(leo_l1.[EDUKEY], '') + CHAR(1)) COLLATE Latin1_General_100_BIN2, coalesce(leo_l2.[PMR], '') COLLATE Latin1_General_100_BIN2, (coalesce(leo_l2.[PMR], '') + CHAR(1)) COLLATE Latin1_General_100_BIN2) AS leo_c1_pairs_all 
WHERE ((leo_earnings.[Edukey] + CHAR(1)) COLLATE Latin1_General_100_BIN2) = (leo_c1_pairs_all.leo_from + CHAR(1))) ORDER BY leo_earnings.[Edukey], leo_earnings.[TaxYear]
-- link counts: Edukey (EDUKEY -> AE_ID -> PMR) PMR
SELECT COUNT_BIG(*) AS persons, coalesce(sum(CASE WHEN (leo_per.leo_n IS NULL) THEN 1 ELSE 0 END), 0) AS unmatched, coalesce(sum(CASE WHEN (leo_per.leo_n = 1) THEN 1 ELSE 0 END), 0) AS matched, coalesce(sum(CASE WHEN (leo_per.leo_n > 1) THEN 1 ELSE 0 END), 0) AS multiple 
FROM (SELECT coalesce(leo_p0.[Edukey], '') COLLATE Latin1_General_100_BIN2 AS leo_from, (coalesce(leo_p0.[Edukey], '') + CHAR(1)) COLLATE Latin1_General_100_BIN2 AS leo_from_x 
FROM leo_earnings AS leo_p0 
WHERE DATALENGTH(leo_p0.[Edukey]) > 0 GROUP BY coalesce(leo_p0.[Edukey], '') COLLATE Latin1_General_100_BIN2, (coalesce(leo_p0.[Edukey], '') + CHAR(1)) COLLATE Latin1_General_100_BIN2) AS leo_persons LEFT OUTER JOIN (SELECT leo_cpairs_all.leo_from AS leo_from, leo_cpairs_all.leo_from_x AS leo_from_x, count(*) AS leo_n 
FROM (SELECT coalesce(leo_l1.[EDUKEY], '') COLLATE Latin1_General_100_BIN2 AS leo_from, (coalesce(leo_l1.[EDUKEY], '') + CHAR(1)) COLLATE Latin1_General_100_BIN2 AS leo_from_x, coalesce(leo_l2.[PMR], '') COLLATE Latin1_General_100_BIN2 AS leo_to, (coalesce(leo_l2.[PMR], '') + CHAR(1)) COLLATE Latin1_General_100_BIN2 AS leo_to_x 
FROM lookup AS leo_l1 JOIN pmr_lookup AS leo_l2 ON leo_l1.[AE_ID] = leo_l2.[AE_ID] 
WHERE DATALENGTH(leo_l1.[EDUKEY]) > 0 AND DATALENGTH(leo_l2.[PMR]) > 0 AND (EXISTS (SELECT 1 
FROM pupils AS leo_o 
WHERE ((leo_l2.[PMR] + CHAR(1)) COLLATE Latin1_General_100_BIN2) = (leo_o.[PMR] + CHAR(1)) AND leo_o.[GENDER] = 'F' AND ((leo_o.[GENDER] + CHAR(1)) COLLATE Latin1_General_100_BIN2) = ('F' + CHAR(1)))) GROUP BY coalesce(leo_l1.[EDUKEY], '') COLLATE Latin1_General_100_BIN2, (coalesce(leo_l1.[EDUKEY], '') + CHAR(1)) COLLATE Latin1_General_100_BIN2, coalesce(leo_l2.[PMR], '') COLLATE Latin1_General_100_BIN2, (coalesce(leo_l2.[PMR], '') + CHAR(1)) COLLATE Latin1_General_100_BIN2) AS leo_cpairs_all GROUP BY leo_cpairs_all.leo_from, leo_cpairs_all.leo_from_x) AS leo_per ON leo_persons.leo_from = leo_per.leo_from AND leo_persons.leo_from_x = leo_per.leo_from_x
