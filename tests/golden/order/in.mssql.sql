-- in: the rows numbered in Stata's order (ROW_NUMBER over the computed terms,
-- a Sort of the whole table), then ordered by that number
SELECT leo_rows.[Edukey], leo_rows.[TaxYear], CAST(leo_rows.[Earnings] AS DOUBLE PRECISION) AS [Earnings] 
FROM (SELECT leo_earnings.[Edukey] AS [Edukey], leo_earnings.[TaxYear] AS [TaxYear], leo_earnings.[Earnings] AS [Earnings], row_number() OVER (ORDER BY (leo_earnings.[Edukey] + CHAR(1)) COLLATE Latin1_General_100_BIN2, CASE WHEN (leo_earnings.[TaxYear] IS NULL) THEN 1 ELSE 0 END, leo_earnings.[TaxYear]) AS leo_obs 
FROM leo_earnings) AS leo_rows 
WHERE (leo_rows.[TaxYear] >= 201516 OR leo_rows.[TaxYear] IS NULL) AND leo_rows.leo_obs <= 1000 ORDER BY leo_rows.leo_obs
