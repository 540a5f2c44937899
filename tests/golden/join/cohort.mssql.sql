SELECT leo_earnings.[Edukey], leo_earnings.[TaxYear], CAST(leo_earnings.[Earnings] AS DOUBLE PRECISION) AS [Earnings] 
FROM leo_earnings 
WHERE (leo_earnings.[TaxYear] >= 201516 OR leo_earnings.[TaxYear] IS NULL) AND (EXISTS (SELECT 1 
FROM persons AS leo_c1 
WHERE ((leo_earnings.[Edukey] + CHAR(1)) COLLATE Latin1_General_100_BIN2) = (ISNULL(leo_c1.[Edukey], '') + CHAR(1)) AND leo_c1.[SUBJECT] = '100' AND ((leo_c1.[SUBJECT] + CHAR(1)) COLLATE Latin1_General_100_BIN2) = ('100' + CHAR(1)))) AND (EXISTS (SELECT 1 
FROM lookup AS leo_c2 
WHERE ((leo_earnings.[Edukey] + CHAR(1)) COLLATE Latin1_General_100_BIN2) = (ISNULL(leo_c2.[EDUKEY], '') + CHAR(1)))) ORDER BY leo_earnings.[Edukey], leo_earnings.[TaxYear]
