// Extra config merged by the JupyterLab builder. web-tree-sitter's Emscripten
// glue imports Node built-ins on a branch that only runs under Node: tell the
// browser bundle they do not exist.
module.exports = {
  resolve: {
    fallback: {
      fs: false,
      'fs/promises': false,
      module: false,
      path: false,
      url: false
    }
  }
};
