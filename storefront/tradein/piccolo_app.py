import os

from piccolo.conf.apps import AppConfig, table_finder

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="tradein",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=table_finder(modules=["storefront.tradein.tables"], exclude_imported=True),
    migration_dependencies=["storefront.catalog.piccolo_app", "storefront.sellers.piccolo_app",
                            "storefront.accounts.piccolo_app"],
    commands=[],
)
