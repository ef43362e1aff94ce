"""project_files_repository: repository-root files as labels, no downloads.

The repository root holds no BUILD file (STYLE.md section 1), so no package
can name pyproject.toml, the one source of the version that CMake, Bazel and
the Python package read. This rule links it into an external repository as
@<name>//:pyproject.toml for core/BUILD.bazel's version.h genrule. The link
is followed when the genrule runs, so a changed version rebuilds version.h.
"""

def _project_files_repository_impl(rctx):
    root = rctx.path(Label("//bazel:BUILD.bazel")).dirname.dirname
    for name in rctx.attr.files:
        rctx.symlink(root.get_child(name), name)
    rctx.file("WORKSPACE", 'workspace(name = "%s")\n' % rctx.name)
    rctx.file("BUILD.bazel", 'exports_files(%s, visibility = ["//visibility:public"])\n' %
                             repr(rctx.attr.files))

project_files_repository = repository_rule(
    implementation = _project_files_repository_impl,
    attrs = {
        "files": attr.string_list(mandatory = True, doc = "file names at the repository root"),
    },
    local = True,
    doc = "Repository-root files as labels of an external repository.",
)
