-- sort(): Stata's order, computed per row (NULL as "", binary bytes, missing last);
-- no index holds it, so SQL Server sorts every kept row before returning one
SELECT leo_earnings.[Edukey], leo_earnings.[TaxYear], CAST(leo_earnings.[Earnings] AS DOUBLE PRECISION) AS [Earnings] 
FROM leo_earnings 
WHERE leo_earnings.[TaxYear] >= 201516 OR leo_earnings.[TaxYear] IS NULL ORDER BY (leo_earnings.[Edukey] + CHAR(1)) COLLATE Latin1_General_100_BIN2, CASE WHEN (leo_earnings.[TaxYear] IS NULL) THEN 1 ELSE 0 END, leo_earnings.[TaxYear]
