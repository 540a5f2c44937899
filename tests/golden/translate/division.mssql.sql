SELECT leo_earnings.[Edukey] 
FROM leo_earnings 
WHERE (CAST(leo_earnings.[Earnings] AS FLOAT) / NULLIF(CAST(leo_earnings.[TaxYear] AS FLOAT), 0) > 1 OR CAST(leo_earnings.[Earnings] AS FLOAT) / NULLIF(CAST(leo_earnings.[TaxYear] AS FLOAT), 0) IS NULL) AND leo_earnings.[KS4_APS] / 2.0 < 3 ORDER BY (leo_earnings.[Edukey] + CHAR(1)) COLLATE Latin1_General_100_BIN2, CASE WHEN (leo_earnings.[TaxYear] IS NULL) THEN 1 ELSE 0 END, leo_earnings.[TaxYear]
