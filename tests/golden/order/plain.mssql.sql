-- plain load: ORDER BY the key's own columns; an index on (Edukey, TaxYear), such as
-- a clustered primary key, holds the rows in this order: no Sort operator needed
SELECT leo_earnings.[Edukey], leo_earnings.[TaxYear], CAST(leo_earnings.[Earnings] AS DOUBLE PRECISION) AS [Earnings] 
FROM leo_earnings 
WHERE leo_earnings.[TaxYear] >= 201516 OR leo_earnings.[TaxYear] IS NULL ORDER BY leo_earnings.[Edukey], leo_earnings.[TaxYear]
