SELECT leo_merged.[Edukey], leo_merged.[TaxYear], CAST(leo_merged.[Earnings] AS DOUBLE PRECISION) AS [Earnings], leo_merged.[Index] 
FROM (SELECT leo_m.[Edukey] AS [Edukey], leo_m.[TaxYear] AS [TaxYear], leo_m.[Earnings] AS [Earnings], leo_u.[Index] AS [Index] 
FROM leo_earnings AS leo_m JOIN years AS leo_u ON leo_m.[TaxYear] = leo_u.[TaxYear] OR leo_m.[TaxYear] IS NULL AND leo_u.[TaxYear] IS NULL) AS leo_merged ORDER BY CASE WHEN (leo_merged.[TaxYear] IS NULL) THEN 1 ELSE 0 END, leo_merged.[TaxYear], (ISNULL(leo_merged.[Edukey], '') + CHAR(1)) COLLATE Latin1_General_100_BIN2
-- probe: using unique on TaxYear
SELECT TOP 1 1 AS leo_duplicate 
FROM (SELECT leo_t.[TaxYear] AS leo_k0 
FROM years AS leo_t) AS leo_keys GROUP BY leo_keys.leo_k0 
HAVING count(*) > 1
