SELECT leo_earnings.[Edukey] 
FROM leo_earnings 
WHERE (leo_earnings.[KS4_Level2] != 0 OR leo_earnings.[KS4_Level2] IS NULL) AND CAST(leo_earnings.[FSM] AS INT) = 0 ORDER BY (leo_earnings.[Edukey] + CHAR(1)) COLLATE Latin1_General_100_BIN2, CASE WHEN (leo_earnings.[TaxYear] IS NULL) THEN 1 ELSE 0 END, leo_earnings.[TaxYear]
