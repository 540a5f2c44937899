SELECT leo_merged."Edukey", leo_merged."TaxYear", CAST(leo_merged."Earnings" AS DOUBLE) AS "Earnings", leo_merged."Index" 
FROM (SELECT leo_m."Edukey" AS "Edukey", leo_m."TaxYear" AS "TaxYear", leo_m."Earnings" AS "Earnings", leo_u."Index" AS "Index" 
FROM leo_earnings AS leo_m JOIN years AS leo_u ON leo_m."TaxYear" IS leo_u."TaxYear") AS leo_merged ORDER BY CASE WHEN (leo_merged."TaxYear" IS NULL) THEN 1 ELSE 0 END, leo_merged."TaxYear", COALESCE(leo_merged."Edukey", '') COLLATE "BINARY"
-- probe: using unique on TaxYear
SELECT 1 AS leo_duplicate 
FROM (SELECT leo_t."TaxYear" AS leo_k0 
FROM years AS leo_t) AS leo_keys GROUP BY leo_keys.leo_k0 
HAVING count(*) > 1
 LIMIT 1 OFFSET 0
