SELECT leo_earnings.[Edukey] 
FROM leo_earnings 
WHERE CASE WHEN (CAST(leo_earnings.[FSM] AS INT) IS NULL) THEN -1 WHEN (CAST(leo_earnings.[FSM] AS INT) != 0) THEN leo_earnings.[Earnings] ELSE 0 END > 100 OR CASE WHEN (CAST(leo_earnings.[FSM] AS INT) IS NULL) THEN -1 WHEN (CAST(leo_earnings.[FSM] AS INT) != 0) THEN leo_earnings.[Earnings] ELSE 0 END IS NULL ORDER BY leo_earnings.[Edukey], leo_earnings.[TaxYear]
