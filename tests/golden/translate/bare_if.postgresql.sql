SELECT leo_earnings."Edukey" 
FROM leo_earnings 
WHERE (leo_earnings."KS4_Level2" != 0 OR leo_earnings."KS4_Level2" IS NULL) AND CAST(leo_earnings."FSM" AS INTEGER) = 0 ORDER BY leo_earnings."Edukey", leo_earnings."TaxYear"
