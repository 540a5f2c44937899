SELECT leo_earnings.[Edukey] 
FROM leo_earnings 
WHERE (POWER(leo_earnings.[KS4_APS], 2.0) > 10 OR POWER(leo_earnings.[KS4_APS], 2.0) IS NULL) AND CASE WHEN (CAST(leo_earnings.[Earnings] AS FLOAT) < 0 AND 0.5 != FLOOR(0.5)) THEN NULL ELSE POWER(CAST(leo_earnings.[Earnings] AS FLOAT), 0.5) END < 100 ORDER BY (leo_earnings.[Edukey] + CHAR(1)) COLLATE Latin1_General_100_BIN2, CASE WHEN (leo_earnings.[TaxYear] IS NULL) THEN 1 ELSE 0 END, leo_earnings.[TaxYear]
