SELECT avg(CAST(agg_base._v0 AS DOUBLE PRECISION)) AS [Earnings], COUNT_BIG(agg_base._v0) AS n, (CAST(COUNT_BIG(agg_base._v0) AS DOUBLE PRECISION) / CAST(nullif(sum(COUNT_BIG(agg_base._v0)) OVER (), 0) AS DOUBLE PRECISION)) * 100 AS pc
FROM (SELECT 1 AS _g, src.[Earnings] AS _v0
FROM (SELECT leo_earnings.[EDUKEY] AS [EDUKEY], leo_earnings.[TaxYear] AS [TaxYear], leo_earnings.[Earnings] AS [Earnings], leo_earnings.[Sex] AS [Sex], leo_earnings.[Subject] AS [Subject], leo_earnings.[Region] AS [Region], leo_earnings.[StartDate] AS [StartDate], leo_earnings.[Amount] AS [Amount], leo_earnings.[Ratio] AS [Ratio], leo_earnings.[Flag] AS [Flag], leo_earnings.[Hours] AS [Hours]
FROM leo_earnings) AS src) AS agg_base GROUP BY agg_base._g
