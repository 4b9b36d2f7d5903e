// The ciliumc policy language (docs/language.md is the reference).
//
// Design notes:
// - Newlines are not significant: every statement starts with a keyword, and lists are
//   comma-separated, so a statement ends where its last list ends.
// - Keywords are soft: the `word` rule accepts them wherever a name, label key or value is
//   expected, and a STRING is accepted wherever a word is.
// - `:` is a token of its own so `k8s:app` is source COLON key; IPv6 addresses need at least two
//   `:` (IPV6 token) so they never swallow `source:key`.
// - Comments go to the hidden channel: the formatter (formatter.cpp) reads them back from the
//   token stream; the model builder never sees them.
grammar PolicyLang;

file : topBlock* EOF ;

topBlock : policyBlock | testBlock ;

// ---- policies ----
policyBlock : POLICY name LBRACE policyClause* RBRACE ;

policyClause
  : DESCRIPTION text                                                 # descriptionClause
  | NAMESPACE name                                                   # namespaceClause
  | LABELS LBRACE (labelEntry (COMMA labelEntry)* COMMA?)? RBRACE    # labelsClause
  | SELECT selector                                                  # selectClause
  | direction=(INGRESS | EGRESS) LBRACE ruleStatement* RBRACE        # directionClause
  ;

ruleStatement
  : verdict=(ALLOW | DENY) peerClause? portClause?    # entryStatement
  | REQUIRE selector                                  # requireStatement
  ;

// `from` in ingress, `to` in egress (checked by the model builder, which can give a hint).
peerClause : keyword=(FROM | TO) (NONE | peer (COMMA peer)*) ;

peer
  : selector                                          # selectorPeer
  | ENTITY name                                       # entityPeer
  | CIDR address (EXCEPT address (COMMA address)*)?   # cidrPeer
  ;

portClause : ON port (COMMA port)* ;

// ---- selectors and labels ----
selector : LBRACE (requirement (COMMA requirement)* COMMA?)? RBRACE ;

requirement
  : labelKey EQ value          # equalsRequirement
  | labelKey NEQ value         # notEqualsRequirement
  | labelKey IN valueList      # inRequirement
  | labelKey NOTIN valueList   # notInRequirement
  | labelKey                   # existsRequirement
  | BANG labelKey              # notExistsRequirement
  ;

// An empty list parses so the model builder can explain it (CP3007).
valueList : LPAREN (value (COMMA value)* COMMA?)? RPAREN ;

labelKey : (source=word COLON)? key=word ;
labelEntry : labelKey (EQ value)? ;

// ---- tests ----
testBlock : TEST name LBRACE testStatement* RBRACE ;

testStatement
  : INVENTORY text                                                      # inventoryStatement
  | POLICIES text (COMMA text)*                                         # policiesStatement
  | EXPECT verdict=(ALLOW | DENY) FROM endpoint TO endpoint ON port     # expectStatement
  ;

endpoint : word | IPV6 ;

// ---- words ----
name : word ;
text : word ;
value : word ;
port : WORD | STRING ;
address : WORD | IPV6 | STRING ;

word
  : WORD | STRING
  | POLICY | TEST | DESCRIPTION | NAMESPACE | LABELS | SELECT | INGRESS | EGRESS
  | ALLOW | DENY | FROM | TO | ON | REQUIRE | ENTITY | CIDR | EXCEPT | IN | NOTIN | NONE
  | INVENTORY | POLICIES | EXPECT
  ;

// ---- tokens ----
POLICY : 'policy' ;
TEST : 'test' ;
DESCRIPTION : 'description' ;
NAMESPACE : 'namespace' ;
LABELS : 'labels' ;
SELECT : 'select' ;
INGRESS : 'ingress' ;
EGRESS : 'egress' ;
ALLOW : 'allow' ;
DENY : 'deny' ;
FROM : 'from' ;
TO : 'to' ;
ON : 'on' ;
REQUIRE : 'require' ;
ENTITY : 'entity' ;
CIDR : 'cidr' ;
EXCEPT : 'except' ;
IN : 'in' ;
NOTIN : 'notin' ;
NONE : 'none' ;
INVENTORY : 'inventory' ;
POLICIES : 'policies' ;
EXPECT : 'expect' ;

LBRACE : '{' ;
RBRACE : '}' ;
LPAREN : '(' ;
RPAREN : ')' ;
COMMA : ',' ;
COLON : ':' ;
NEQ : '!=' ;
EQ : '=' ;
BANG : '!' ;

// At least two ':' — `fd00::10`, `::/0`, `2001:db8::/32`, `::ffff:10.0.0.1`.
IPV6 : HEX* ':' HEX* ':' [0-9a-fA-F:.]* ('/' [0-9]+)? ;

// Label keys (`app.kubernetes.io/name`), values, ports (`tcp/80`, `udp/8000-8100`), IPv4
// prefixes, endpoint references (`ns/name`). A `/` must be followed by a word character, so
// `tcp/80// comment` ends the word before the comment.
WORD : WORD_START (WORD_CHAR | '/' WORD_CHAR)* ;

STRING : '"' (~["\\\r\n] | '\\' ~[\r\n])* '"' ;

LINE_COMMENT : ('#' | '//') ~[\r\n]* -> channel(HIDDEN) ;

WS : [ \t\r\n\f]+ -> skip ;

fragment HEX : [0-9a-fA-F] ;
fragment WORD_START : [A-Za-z0-9_] ;
fragment WORD_CHAR : [A-Za-z0-9_.\-] ;
