SELECT leo_earnings."Edukey", leo_earnings."TaxYear", CAST(leo_earnings."Earnings" AS DOUBLE PRECISION) AS "Earnings" 
FROM leo_earnings 
WHERE (leo_earnings."TaxYear" >= 201516 OR leo_earnings."TaxYear" IS NULL) AND (EXISTS (SELECT 1 
FROM persons AS leo_c1 
WHERE (leo_earnings."Edukey" COLLATE "C") = COALESCE(leo_c1."Edukey", '') AND (leo_c1."SUBJECT" COLLATE "C") = '100')) AND (EXISTS (SELECT 1 
FROM lookup AS leo_c2 
WHERE (leo_earnings."Edukey" COLLATE "C") = COALESCE(leo_c2."EDUKEY", ''))) ORDER BY leo_earnings."Edukey", leo_earnings."TaxYear"
