"""Admin pages issue a bounded number of queries, whatever the number of users or units."""




def test_user_list_and_unit_tree_queries_do_not_grow_with_the_data(app, client, auth, make, page_statements):
    root = make.unit("Tỉnh ủy")
    make.admin("admin", scope=root)
    title = make.title()
    commune = make.unit("Xã 0", parent=root, locality=make.locality())
    make.user("u0", unit=commune, held=[title], password=None)
    auth.login("admin")
    small = (page_statements("/admin/users/"), page_statements("/admin/units"))
    for n in range(1, 13):
        commune = make.unit(f"Xã {n}", parent=root, locality=make.locality())
        make.user(f"u{n}", unit=commune, held=[title], roles=("trainee", "lecturer"), password=None)
    large = (page_statements("/admin/users/"), page_statements("/admin/units"))
    assert large == small
