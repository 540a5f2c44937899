SELECT [LEO_i2].p1234.leo_earnings.[EDUKEY], CAST([LEO_i2].p1234.leo_earnings.[Earnings] AS DOUBLE PRECISION) AS [Earnings] 
FROM [LEO_i2].p1234.leo_earnings 
WHERE [LEO_i2].p1234.leo_earnings.[TaxYear] = 201516
