SELECT coalesce(sum(CASE WHEN (CAST(src.[Persons] AS DOUBLE PRECISION) < CAST(0 AS DOUBLE PRECISION)) THEN 1 ELSE 0 END), 0) AS negative, coalesce(sum(CASE WHEN (CAST(src.[Persons] AS DOUBLE PRECISION) != floor(CAST(src.[Persons] AS DOUBLE PRECISION))) THEN 1 ELSE 0 END), 0) AS noninteger
FROM (SELECT leo_earnings.[EDUKEY] AS [EDUKEY], leo_earnings.[TaxYear] AS [TaxYear], leo_earnings.[Earnings] AS [Earnings], leo_earnings.[Sex] AS [Sex], leo_earnings.[Flag] AS [Flag], leo_earnings.[Hours] AS [Hours], leo_earnings.[Weight] AS [Weight], leo_earnings.[Persons] AS [Persons]
FROM leo_earnings) AS src
WHERE CAST(src.[Persons] AS DOUBLE PRECISION) IS NOT NULL AND CAST(src.[Persons] AS DOUBLE PRECISION) != CAST(0 AS DOUBLE PRECISION)
