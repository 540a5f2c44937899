SELECT leo_rows.[Edukey] 
FROM (SELECT leo_nokey.[Edukey] AS [Edukey], leo_nokey.[TaxYear] AS [TaxYear], leo_nokey.[Region] AS [Region], row_number() OVER (ORDER BY (ISNULL(leo_nokey.[Region], '') + CHAR(1)) COLLATE Latin1_General_100_BIN2, CASE WHEN (leo_nokey.[TaxYear] IS NULL) THEN 1 ELSE 0 END, leo_nokey.[TaxYear]) AS leo_obs 
FROM leo_nokey) AS leo_rows 
WHERE leo_rows.[Region] = 'London' AND ((leo_rows.[Region] + CHAR(1)) COLLATE Latin1_General_100_BIN2) = ('London' + CHAR(1)) AND leo_rows.leo_obs >= 5 AND leo_rows.leo_obs <= 20 ORDER BY leo_rows.leo_obs
