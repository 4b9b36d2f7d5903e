// `ciliumc fmt`: re-lays out the token stream of a file in canonical layout (layout_writer.h).
//
// Tokens are kept as written (a quoted word stays quoted); only whitespace, the order of policy
// clauses (description, namespace, labels, select, ingress, egress) and test statements
// (inventory, policies, expect), and the placement of comments change. Each output line is a
// "unit" covering a range of tokens. A comment belongs to the unit of the token before it when
// on the same line (a trailing comment), else to the unit of the token after it (a leading
// comment). A unit prints its leading comments above itself and keeps one trailing comment at
// the end of its line; comments from inside a multi-line statement move above it. Blank lines
// before a unit or comment are kept (collapsed to one). These rules make fmt idempotent.
#include <algorithm>

#include "frontend/lang/format_policy.h"
#include "frontend/lang/layout_writer.h"
#include "frontend/lang/syntax_tree.h"

namespace ciliumc {
namespace {

using P = grammar::PolicyLangParser;

class Formatter {
 public:
  explicit Formatter(const std::vector<antlr4::Token*>& tokens) : tokens_(tokens), anchored_(tokens.size()) {
    attachComments();
  }

  std::string format(P::FileContext* file) {
    bool first = true;
    for (auto* block : file->topBlock()) {
      if (!first) writer_.blankLine();
      first = false;
      if (auto* policy = block->policyBlock()) formatPolicy(policy);
      if (auto* test = block->testBlock()) formatTest(test);
    }
    emitLeadingComments(file->EOF()->getSymbol()->getTokenIndex(), /*allComments=*/true);
    return writer_.finish();
  }

 private:
  struct Anchored {
    size_t commentIndex;
    bool trailing;
  };

  void attachComments() {
    for (size_t i = 0; i < tokens_.size(); ++i) {
      if (tokens_[i]->getType() != P::LINE_COMMENT) continue;
      auto previous = previousDefaultToken(i);
      if (previous && tokens_[*previous]->getLine() == tokens_[i]->getLine()) {
        anchored_[*previous].push_back({i, true});
      } else if (auto next = nextDefaultToken(i)) {
        anchored_[*next].push_back({i, false});
      }
    }
  }

  std::optional<size_t> previousDefaultToken(size_t index) const {
    while (index-- > 0)
      if (tokens_[index]->getChannel() == antlr4::Token::DEFAULT_CHANNEL) return index;
    return std::nullopt;
  }
  std::optional<size_t> nextDefaultToken(size_t index) const {
    for (++index; index < tokens_.size(); ++index)
      if (tokens_[index]->getChannel() == antlr4::Token::DEFAULT_CHANNEL) return index;
    return std::nullopt;
  }

  // A blank line in the source right before token `index` (of any channel)?
  bool blankBefore(size_t index) const {
    return index > 0 && tokens_[index]->getLine() >= tokens_[index - 1]->getLine() + 2;
  }

  static std::string commentText(antlr4::Token* comment) {
    std::string text = comment->getText();
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) text.pop_back();
    return text;
  }

  // Text of the default-channel tokens first..last, single-spaced, trailing commas dropped.
  std::string render(size_t first, size_t last) const {
    std::string out;
    size_t previousType = 0;
    for (size_t i = first; i <= last; ++i) {
      antlr4::Token* token = tokens_[i];
      if (token->getChannel() != antlr4::Token::DEFAULT_CHANNEL) continue;
      size_t type = token->getType();
      if (type == P::COMMA) {
        auto next = nextDefaultToken(i);
        if (next && (tokens_[*next]->getType() == P::RBRACE || tokens_[*next]->getType() == P::RPAREN)) continue;
      }
      if (previousType != 0 && needsSpace(previousType, type)) out += ' ';
      out += token->getText();
      previousType = type;
    }
    return out;
  }

  static bool needsSpace(size_t before, size_t after) {
    if (after == P::COMMA || after == P::RPAREN || after == P::COLON) return false;
    if (before == P::LPAREN || before == P::BANG || before == P::COLON) return false;
    return !(before == P::LBRACE && after == P::RBRACE);
  }

  // Prints the comments anchored to tokens first..last above the unit, except a final trailing
  // one, which is returned for the end of the unit's line. Also applies the blank line before.
  std::string emitUnitComments(size_t first, size_t last) {
    std::vector<Anchored> comments;
    for (size_t i = first; i <= last; ++i)
      comments.insert(comments.end(), anchored_[i].begin(), anchored_[i].end());
    std::sort(comments.begin(), comments.end(),
              [](const Anchored& a, const Anchored& b) { return a.commentIndex < b.commentIndex; });
    std::string trailing;
    if (!comments.empty() && comments.back().trailing) {
      trailing = commentText(tokens_[comments.back().commentIndex]);
      comments.pop_back();
    }
    for (const Anchored& comment : comments) {
      if (blankBefore(comment.commentIndex)) writer_.blankLine();
      writer_.commentLine(commentText(tokens_[comment.commentIndex]));
    }
    if (blankBefore(first)) writer_.blankLine();
    return trailing;
  }

  // Comments on their own lines before token `index` (a closing brace or EOF): printed inside
  // the block (or at the end of the file). Returns the trailing comment of `}` if any.
  std::string emitLeadingComments(size_t index, bool allComments) {
    std::string trailing;
    for (const Anchored& comment : anchored_[index]) {
      if (comment.trailing && !allComments) {
        trailing = commentText(tokens_[comment.commentIndex]);
        continue;
      }
      if (blankBefore(comment.commentIndex)) writer_.blankLine();
      writer_.commentLine(commentText(tokens_[comment.commentIndex]));
    }
    return trailing;
  }

  void line(antlr4::ParserRuleContext* statement) {
    size_t first = statement->getStart()->getTokenIndex();
    size_t last = statement->getStop()->getTokenIndex();
    std::string trailing = emitUnitComments(first, last);
    writer_.line(render(first, last), trailing);
  }

  // Does anything (a statement or a comment) sit between the braces?
  bool blockHasContent(antlr4::tree::TerminalNode* open, antlr4::tree::TerminalNode* close, bool hasStatements) const {
    if (hasStatements) return true;
    for (const Anchored& comment : anchored_[close->getSymbol()->getTokenIndex()])
      if (!comment.trailing) return true;
    return !anchored_[open->getSymbol()->getTokenIndex()].empty();
  }

  // `header { children }` or, when empty, the single line `header {}`.
  template <class EmitChildren>
  void block(antlr4::ParserRuleContext* context, antlr4::tree::TerminalNode* open,
             antlr4::tree::TerminalNode* close, bool hasStatements, EmitChildren emitChildren) {
    size_t first = context->getStart()->getTokenIndex();
    size_t openIndex = open->getSymbol()->getTokenIndex();
    if (!blockHasContent(open, close, hasStatements)) {
      line(context);
      return;
    }
    std::string trailing = emitUnitComments(first, openIndex);
    writer_.openBlock(render(first, openIndex - 1), trailing);
    emitChildren();
    std::string closing = emitLeadingComments(close->getSymbol()->getTokenIndex(), false);
    writer_.closeBlock(closing);
  }

  static int clauseRank(P::PolicyClauseContext* clause) {
    if (dynamic_cast<P::DescriptionClauseContext*>(clause)) return 0;
    if (dynamic_cast<P::NamespaceClauseContext*>(clause)) return 1;
    if (dynamic_cast<P::LabelsClauseContext*>(clause)) return 2;
    if (dynamic_cast<P::SelectClauseContext*>(clause)) return 3;
    auto* direction = static_cast<P::DirectionClauseContext*>(clause);
    return direction->direction->getType() == P::INGRESS ? 4 : 5;
  }

  static int testStatementRank(P::TestStatementContext* statement) {
    if (dynamic_cast<P::InventoryStatementContext*>(statement)) return 0;
    if (dynamic_cast<P::PoliciesStatementContext*>(statement)) return 1;
    return 2;
  }

  void formatPolicy(P::PolicyBlockContext* policy) {
    auto clauses = policy->policyClause();
    std::stable_sort(clauses.begin(), clauses.end(),
                     [](auto* a, auto* b) { return clauseRank(a) < clauseRank(b); });
    block(policy, policy->LBRACE(), policy->RBRACE(), !clauses.empty(), [&] {
      for (auto* clause : clauses) {
        auto* direction = dynamic_cast<P::DirectionClauseContext*>(clause);
        if (direction == nullptr) {
          line(clause);
          continue;
        }
        auto statements = direction->ruleStatement();
        block(direction, direction->LBRACE(), direction->RBRACE(), !statements.empty(), [&] {
          for (auto* statement : statements) line(statement);
        });
      }
    });
  }

  void formatTest(P::TestBlockContext* test) {
    auto statements = test->testStatement();
    std::stable_sort(statements.begin(), statements.end(),
                     [](auto* a, auto* b) { return testStatementRank(a) < testStatementRank(b); });
    block(test, test->LBRACE(), test->RBRACE(), !statements.empty(), [&] {
      for (auto* statement : statements) line(statement);
    });
  }

  const std::vector<antlr4::Token*>& tokens_;
  std::vector<std::vector<Anchored>> anchored_;  // by the token index a comment belongs to
  LayoutWriter writer_;
};

}  // namespace

std::optional<std::string> formatPolicyLanguage(const std::string& path, const std::string& text,
                                                DiagnosticEngine& diags) {
  if (diags.sourceText(path) == nullptr) diags.addSource(path, text);
  SourceText source(path, text);
  auto tree = parseSyntaxTree(source, diags);
  if (!tree) return std::nullopt;
  return Formatter(tree->tokens->getTokens()).format(tree->root);
}

}  // namespace ciliumc
