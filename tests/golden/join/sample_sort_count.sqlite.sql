SELECT count(*) AS "N" 
FROM (SELECT leo_rows."Edukey" AS "Edukey" 
FROM (SELECT leo_merged."Edukey" AS "Edukey", (CAST(COALESCE(UNICODE(SUBSTR(leo_merged."Edukey", 1, 1)), 0) AS BIGINT) * 65599 + CAST(COALESCE(UNICODE(SUBSTR(leo_merged."Edukey", 2, 1)), 0) AS BIGINT) * 8261507 + CAST(COALESCE(UNICODE(SUBSTR(leo_merged."Edukey", 3, 1)), 0) AS BIGINT) * 780718649 + CAST(COALESCE(UNICODE(SUBSTR(leo_merged."Edukey", 4, 1)), 0) AS BIGINT) * 1172642095 + CAST(COALESCE(UNICODE(SUBSTR(leo_merged."Edukey", 5, 1)), 0) AS BIGINT) * 1284554365 + CAST(COALESCE(UNICODE(SUBSTR(leo_merged."Edukey", 6, 1)), 0) AS BIGINT) * 370965002 + CAST(COALESCE(UNICODE(SUBSTR(leo_merged."Edukey", 7, 1)), 0) AS BIGINT) * 1795962041 + CAST(COALESCE(UNICODE(SUBSTR(leo_merged."Edukey", 8, 1)), 0) AS BIGINT) * 213569492 + CAST(COALESCE(UNICODE(SUBSTR(leo_merged."Edukey", 9, 1)), 0) AS BIGINT) * 1909276327 + CAST(COALESCE(UNICODE(SUBSTR(leo_merged."Edukey", 10, 1)), 0) AS BIGINT) * 1076514539 + CAST(COALESCE(UNICODE(SUBSTR(leo_merged."Edukey", 11, 1)), 0) AS BIGINT) * 424995913 + CAST(COALESCE(UNICODE(SUBSTR(leo_merged."Edukey", 12, 1)), 0) AS BIGINT) * 674191533) % 2147483647 AS leo_person 
FROM (SELECT leo_m."Edukey" AS "Edukey" 
FROM leo_earnings AS leo_m LEFT OUTER JOIN (SELECT leo_u0."Edukey" AS "Edukey", 1 AS leo_in_using 
FROM persons AS leo_u0) AS leo_u ON (leo_m."Edukey" COLLATE "BINARY") = COALESCE(leo_u."Edukey", '') UNION ALL SELECT leo_u2."Edukey" AS "Edukey" 
FROM persons AS leo_u2 LEFT OUTER JOIN (SELECT leo_m0."Edukey" AS "Edukey", 1 AS leo_in_master 
FROM leo_earnings AS leo_m0) AS leo_m2 ON (leo_m2."Edukey" COLLATE "BINARY") = COALESCE(leo_u2."Edukey", '') 
WHERE leo_m2.leo_in_master IS NULL) AS leo_merged) AS leo_rows 
WHERE (((((leo_rows.leo_person * 48271 + 62766) % 2147483647) * ((leo_rows.leo_person * 48271 + 62766) % 2147483647) + 212703) % 2147483647) * 69621 + (leo_rows.leo_person * 48271 + 62766) % 2147483647) % 2147483647 < 214748364) AS src
-- probe: using unique on Edukey
SELECT 1 AS leo_duplicate 
FROM (SELECT coalesce(leo_t."Edukey", '') COLLATE "BINARY" AS leo_k0 
FROM persons AS leo_t) AS leo_keys GROUP BY leo_keys.leo_k0 
HAVING count(*) > 1
 LIMIT 1 OFFSET 0
